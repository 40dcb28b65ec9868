// T4Wire — the Plus500 Futures (T4) protocol, pure (no I/O): messages, framing, exact prices,
// house rules. The connector (client side) and the simulator (server side) both build on it.
//
// Layout
//   Proto/t4proto/v1/*.proto   our own .proto files, written from the venue's wire tables
//                              (shared/venues/t4-wire/messages.tsv, enums.tsv): the subset of
//                              t4proto v1 the bridge and the simulator use, with the venue's field
//                              numbers, names, types, labels and oneofs. Excluded from the build.
//   Generated/*.pb.swift       Swift generated from them by protoc + protoc-gen-swift 1.39.0;
//                              committed, never edited by hand. Types are named after the proto
//                              package: `t4proto.v1.market.MarketDepth` is
//                              `T4proto_V1_Market_MarketDepth`.
//   T4Wire.swift               this file: short names for the types every caller touches.
//   T4Frame.swift              one protobuf message per binary WebSocket message, both directions.
//   T4Decimal.swift            `Price` / `Decimal` / integer volumes ↔ `ExactDecimal`.
//   T4Requests.swift           builders for the client messages the connector sends.
//   T4HouseRules.swift         every `[house]` rule of shared/venues/t4.md.
//
// Regenerating (after editing a .proto):
//   scripts/generate-t4-proto           rewrites Generated/ (installs protoc with apt if missing,
//                                       builds protoc-gen-swift once under /tmp)
//   scripts/generate-t4-proto --check   fails if Generated/ is not exactly what the .proto files give
// The swift-protobuf build-tool plugin is deliberately not used (it compiles protoc: ~10 min).

public import VenueBridgeCore

/// `t4proto.v1.service.ClientMessage`: everything a client sends (envelope oneof `payload`).
public typealias T4ClientMessage = T4proto_V1_Service_ClientMessage
/// `t4proto.v1.service.ServerMessage`: everything the venue sends (envelope oneof `payload`).
/// A message whose payload this subset does not model decodes with `payload == nil`.
public typealias T4ServerMessage = T4proto_V1_Service_ServerMessage
/// `t4proto.v1.common.Price{value: string}`: a decimal string (REAL format, see `T4HouseRules`).
public typealias T4Price = T4proto_V1_Common_Price
/// `t4proto.v1.common.Decimal{value: string}`: a decimal string (e.g. `MarketDetails.point_value`).
public typealias T4DecimalValue = T4proto_V1_Common_Decimal
/// `t4proto.v1.common.BuySell`: `BUY_SELL_BUY` (1) / `BUY_SELL_SELL` (−1).
public typealias T4BuySell = T4proto_V1_Common_BuySell
/// `t4proto.v1.common.PriceType`: market, limit, stop types.
public typealias T4PriceType = T4proto_V1_Common_PriceType
/// `t4proto.v1.common.TimeType`: day, IOC, GTC, fill-or-kill.
public typealias T4TimeType = T4proto_V1_Common_TimeType
/// `t4proto.v1.common.OrderStatus`.
public typealias T4OrderStatus = T4proto_V1_Common_OrderStatus
/// `t4proto.v1.common.OrderChange`.
public typealias T4OrderChange = T4proto_V1_Common_OrderChange

/// Why a T4 frame (or a value inside one) could not be decoded.
public typealias T4DecodeError = FrameDecodeError
