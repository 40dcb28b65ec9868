enum SFOXConnectorPlaceholder {}
