import FIModule
import Foundation
import Testing
import VenueBridgeCore
import VenueBridgeService
import VenueCatalog
import VenueModuleKit

/// Loads `yaml` as `/c.yaml` with the bridge's venue list, `files` readable as secret files.
private func loadVenueConfig(_ yaml: String, env: [String: String], files: [String: String]) throws(ConfigError)
    -> BridgeConfig
{
    var all = files
    all["/c.yaml"] = yaml
    return try ConfigLoader(
        venues: VenueCatalog.all, environment: env,
        readFile: { path in
            guard let text = all[path] else { throw CocoaError(.fileNoSuchFile) }
            return text
        }
    ).load(path: "/c.yaml")
}

/// `venues.fi` through the real loader: YAML, `VB_FI_*`, secret files, every problem reported.
@Suite("FI config")
struct FIConfigTests {
    @Test("a complete section: the password from a file, never inline; the summary shows it as (set)")
    func complete() throws {
        let config = try loadVenueConfig(
            """
            venues:
              fi:
                enabled: true
                url: wss://fi.example/ws
                userid: trader1
                password_file: /run/fi-pass
                destination: GEMI
                instruments: {BTCUSD: BTC-USD}
            """, env: [:], files: ["/run/fi-pass": "s3cret\n"])
        #expect(config.venues.fi.password == "s3cret" && config.venues.fi.userID == "trader1")
        #expect(config.venues.fi.destination == "GEMI")
        #expect(config.redactedSummary["venues.fi.password"] == "(set)")
        #expect(!config.redactedSummary.values.contains { $0.contains("s3cret") })
        #expect(config.commands.runsConsumer(config), "FI takes orders: the command consumer runs")
        #expect(FIModule.defaultOrderAccount(config.venues.fi) == "trader1", "one account per login: the userid")
    }

    @Test("enabled without url, user, password or instruments: every problem with its key; an inline password refused")
    func problems() {
        var issues: [ConfigIssue] = []
        do {
            _ = try loadVenueConfig(
                """
                venues:
                  fi:
                    enabled: true
                    password: nope
                """, env: [:], files: [:])
        } catch {
            issues = error.issues
        }
        let keys = Set(issues.map(\.key))
        #expect(
            keys.isSuperset(of: ["venues.fi.url", "venues.fi.userid", "venues.fi.instruments", "venues.fi.password"]))
        #expect(issues.contains { $0.key == "venues.fi.password" && $0.problem.contains("is a secret") })
        #expect(!issues.description.contains("nope"))
    }

    @Test("VB_FI_* variables")
    func environment() throws {
        let config = try loadVenueConfig(
            "venues: {fi: {instruments: {BTCUSD: BTC-USD}}}",
            env: [
                "VB_FI_ENABLED": "true", "VB_FI_URL": "ws://127.0.0.1:9400/ws", "VB_FI_USERID": "u",
                "VB_FI_PASSWORD_FILE": "/p",
            ], files: ["/p": "pw"])
        #expect(config.venues.fi.enabled && config.venues.fi.password == "pw")
    }
}
