module verack/go-handshake

go 1.19
