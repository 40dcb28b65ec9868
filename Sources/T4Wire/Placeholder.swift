enum T4WirePlaceholder {}
