import PeerEngine

extension ConsoleModel {
    /// News of the relay: the status bar says it.
    mutating func relayNews(_ news: RelayNews) {
        showInfo(news.description)
    }
}
