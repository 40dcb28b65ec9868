public import VenueBridgeCore

/// Why an sFOX frame or REST body could not be decoded.
public typealias SFOXDecodeError = FrameDecodeError
