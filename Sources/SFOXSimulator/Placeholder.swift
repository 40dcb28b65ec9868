enum SFOXSimulatorPlaceholder {}
