// go-handshake: a goroutine-per-peer Bitcoin v1 handshake client, the yardstick for
// `verack handshake` (scripts/bench vsgo). Standard library only, in btcd's manner: one
// goroutine per connection, blocking reads, no decoding beyond the 24-byte header, no
// output but a failure count.
//
// Usage: go-handshake -magic dab5bffa -n 2000 127.0.0.1:18555
//
// Exit status 0 only when all N handshakes completed (version and verack received, our
// verack sent).
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// frame builds magic | command (12 bytes, NUL-padded) | length | checksum | payload.
func frame(magic []byte, command string, payload []byte) []byte {
	var cmd [12]byte
	copy(cmd[:], command)
	first := sha256.Sum256(payload)
	second := sha256.Sum256(first[:])
	out := make([]byte, 0, 24+len(payload))
	out = append(out, magic...)
	out = append(out, cmd[:]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, second[:4]...)
	return append(out, payload...)
}

// versionPayload is a protocol-70016 version with no services, empty addresses, a random
// nonce, our user agent, height 0 and relay off.
func versionPayload() []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(int32(70016))
	le(uint64(0))
	le(time.Now().Unix())
	netAddr := func() {
		le(uint64(0))
		b.Write(make([]byte, 16))
		b.Write([]byte{0, 0}) // port, big-endian
	}
	netAddr() // receiver
	netAddr() // sender
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	b.Write(nonce[:])
	ua := "/go-handshake:0.1/"
	b.WriteByte(byte(len(ua)))
	b.WriteString(ua)
	le(int32(0))
	b.WriteByte(0)
	return b.Bytes()
}

// handshake dials addr, sends version, reads frames by their header until both version
// and verack arrived, sends verack, and closes.
func handshake(addr string, magic []byte, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(frame(magic, "version", versionPayload())); err != nil {
		return err
	}
	var header [24]byte
	gotVersion, gotVerack := false, false
	for !(gotVersion && gotVerack) {
		if _, err := io.ReadFull(conn, header[:]); err != nil {
			return err
		}
		if !bytes.Equal(header[:4], magic) {
			return fmt.Errorf("bad magic %x", header[:4])
		}
		length := binary.LittleEndian.Uint32(header[16:20])
		if length > 4_000_000 {
			return fmt.Errorf("payload of %d bytes", length)
		}
		if _, err := io.CopyN(io.Discard, conn, int64(length)); err != nil {
			return err
		}
		switch string(bytes.TrimRight(header[4:16], "\x00")) {
		case "version":
			gotVersion = true
			if _, err := conn.Write(frame(magic, "verack", nil)); err != nil {
				return err
			}
		case "verack":
			gotVerack = true
		}
	}
	return nil
}

func main() {
	magicHex := flag.String("magic", "dab5bffa", "network magic in wire order (8 hex digits)")
	n := flag.Int("n", 2000, "concurrent connections")
	timeout := flag.Duration("timeout", 30*time.Second, "per-connection deadline")
	flag.Parse()
	magic, err := hex.DecodeString(*magicHex)
	if err != nil || len(magic) != 4 || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go-handshake [-magic HEX] [-n N] [-timeout D] HOST:PORT")
		os.Exit(2)
	}
	addr := flag.Arg(0)
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := handshake(addr, magic, *timeout); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "go-handshake: %d of %d failed; first: %v\n", f, *n, firstErr.Load())
		os.Exit(1)
	}
}
