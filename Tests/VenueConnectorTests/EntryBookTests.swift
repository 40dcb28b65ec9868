import Testing
import VenueBridgeCore

@testable import VenueConnector

@Suite("entry book")
struct EntryBookTests {
    static func entry(_ side: BookSide, _ price: String, _ quantity: String, ioi: Bool = false) -> EntryBook.Entry {
        EntryBook.Entry(side: side, price: ExactDecimal(price)!, quantity: ExactDecimal(quantity)!, executable: !ioi)
    }

    static func level(_ price: String, _ size: String) -> PriceLevel {
        PriceLevel(price: ExactDecimal(price)!, size: ExactDecimal(size)!)
    }

    @Test("entries at one price sum to its level; updates and removes move the totals; IOI entries stay out")
    func aggregation() throws {
        var book = EntryBook()
        try book.put(id: "6988929507302077441", Self.entry(.ask, "7014.19", "0.02014047"))
        try book.put(id: "6988929507302077442", Self.entry(.ask, "7014.19", "0.5"))
        try book.put(id: "3", Self.entry(.bid, "7000", "1"))
        try book.put(id: "4", Self.entry(.bid, "7001", "2", ioi: true))
        #expect(book.levels.asks == [Self.level("7014.19", "0.52014047")])
        #expect(book.levels.bids == [Self.level("7000", "1")], "the IOI at 7001 is not the best bid")
        // An update at the same price changes the total by the difference.
        try book.put(id: "6988929507302077442", Self.entry(.ask, "7014.19", "0.25"))
        #expect(book.levels.asks == [Self.level("7014.19", "0.27014047")])
        // An update to another price moves the quantity between levels.
        try book.put(id: "3", Self.entry(.bid, "6999.5", "1"))
        #expect(book.levels.bids == [Self.level("6999.5", "1")])
        // An IOI becoming executable joins the book.
        try book.put(id: "4", Self.entry(.bid, "7001", "2"))
        #expect(book.levels.bids == [Self.level("7001", "2"), Self.level("6999.5", "1")])
        try book.remove(id: "6988929507302077441")
        try book.remove(id: "6988929507302077442")
        #expect(book.levels.asks.isEmpty && book.count == 2)
    }

    @Test("a message touching one price several times is one change per price in the delta")
    func deltaPerMessage() throws {
        var book = EntryBook()
        try book.put(id: "1", Self.entry(.bid, "100", "1"))
        let before = book.levels
        try book.put(id: "2", Self.entry(.bid, "100", "2"))
        try book.put(id: "3", Self.entry(.bid, "100", "3"))
        try book.remove(id: "1")
        try book.put(id: "4", Self.entry(.ask, "101", "1"))
        try book.remove(id: "4")
        let delta = LocalOrderBook.changes(from: before, to: book.levels)
        #expect(delta.bids == [Self.level("100", "5")])
        #expect(delta.asks.isEmpty, "an ask added and removed in one message is no change")
    }

    @Test(
        "bad entries are refused and change nothing: unknown remove, zero or negative numbers, a full book, an overflow"
    )
    func refusals() throws {
        var book = EntryBook(capacity: 2)
        #expect(throws: EntryBook.Failure.unknownEntry("9")) { try book.remove(id: "9") }
        #expect(throws: EntryBook.Failure.self) { try book.put(id: "1", Self.entry(.bid, "0", "1")) }
        #expect(throws: EntryBook.Failure.self) { try book.put(id: "1", Self.entry(.bid, "1", "-1")) }
        try book.put(id: "1", Self.entry(.bid, "100", "1"))
        try book.put(id: "2", Self.entry(.bid, "100", "1"))
        #expect(throws: EntryBook.Failure.capacityReached(2)) { try book.put(id: "3", Self.entry(.bid, "99", "1")) }
        try book.put(id: "2", Self.entry(.bid, "100", "3"))  // an update of a held id fits
        let before = book.levels
        let huge = EntryBook.Entry(side: .bid, price: 100, quantity: ExactDecimal(significand: .max, exponent: 0))
        #expect(throws: EntryBook.Failure.overflow(price: 100)) { try book.put(id: "1", huge) }
        #expect(book.levels == before && book["1"]?.quantity == 1)
        book.clear()
        #expect(book.count == 0 && book.levels.isEmpty)
    }
}
