// tlogcheck verifies the office's transparency log with an implementation that
// is not bontot's: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
// golang-golang-x-mod-dev). It fetches /log/checkpoint and checks its signed
// note against the verifier key, checks every tile against the checkpoint's
// root (tlog.TileHashReader authenticates each tile it reads), checks that
// every entry bundle hashes to the level-0 tiles, and, given an older
// checkpoint, proves and checks the consistency of the two trees; given a
// tablet's cosigner key, checks its C2SP cosignature/v1 line (Ed25519) on the
// checkpoint, with crypto/ed25519.
//
//	tlogcheck [-old OLD-CHECKPOINT-FILE] [-witness COSIGNER-VKEY] URL HEADER-FILE VKEY
//
// HEADER-FILE holds one "Authorization: Bearer TOKEN" line. Prints "ok SIZE"
// and exits 0, or says what failed and exits 1. URL may be file:///DIR: an
// auditor's bundle (bontot audit export) unpacked into DIR/log, read as a
// static copy of the log (HEADER-FILE may then be empty, e.g. /dev/null).
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base, auth string

func get(path string) []byte {
	req, err := http.NewRequest("GET", base+"/log/"+path, nil)
	if err != nil {
		fail("%v", err)
	}
	if auth != "" {
		kv := strings.SplitN(auth, ": ", 2)
		req.Header.Set(kv[0], kv[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: %d %v %s", path, resp.StatusCode, err, data)
	}
	return data
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

// cosigned checks the cosignature/v1 line of the witness whose vkey is given.
func cosigned(msg []byte, vkey string) {
	f := strings.SplitN(vkey, "+", 3)
	if len(f) != 3 {
		fail("not a cosigner key: %q", vkey)
	}
	key, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		fail("not an Ed25519 cosigner key: %q", vkey)
	}
	h := sha256.Sum256(append([]byte(f[0]+"\n"), key...))
	id, _ := hex.DecodeString(f[1])
	if !bytes.Equal(h[:4], id) {
		fail("the cosigner key's id does not match its key")
	}
	text := msg[:bytes.Index(msg, []byte("\n\n"))+1]
	for _, line := range strings.Split(string(msg[len(text)+1:]), "\n") {
		prefix := "\u2014 " + f[0] + " "
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(line[len(prefix):])
		if err != nil || len(sig) != 4+8+64 || !bytes.Equal(sig[:4], id) {
			continue
		}
		t := binary.BigEndian.Uint64(sig[4:12])
		m := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), text...)
		if !ed25519.Verify(ed25519.PublicKey(key[1:]), m, sig[12:]) {
			fail("the cosignature by %s does not verify", f[0])
		}
		return
	}
	fail("the checkpoint carries no cosignature by %s", f[0])
}

// open verifies a checkpoint's note and parses origin, size and root.
func open(msg []byte, v note.Verifier) (int64, tlog.Hash) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("the checkpoint does not verify: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("not a checkpoint of %s: %q", v.Name(), n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("bad tree size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("bad root %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], raw)
	return size, h
}

// tiles reads C2SP tiles: Go names them tile/8/L/N, the C2SP tile/L/N, data tiles tile/entries/N.
type tiles struct{}

func (tiles) Height() int { return 8 }
func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}
func (tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		out[i] = get(strings.Replace(t.Path(), "tile/8/", "tile/", 1))
	}
	return out, nil
}

func main() {
	oldFile := flag.String("old", "", "an older checkpoint the current one must extend")
	witness := flag.String("witness", "", "a tablet's cosigner key whose cosignature the checkpoint must carry")
	flag.Parse()
	if flag.NArg() != 3 {
		fail("usage: tlogcheck [-old FILE] [-witness VKEY] URL HEADER-FILE VKEY")
	}
	base = flag.Arg(0)
	if strings.HasPrefix(base, "file://") {
		http.DefaultTransport.(*http.Transport).RegisterProtocol("file", http.NewFileTransport(http.Dir("/")))
	}
	h, err := os.ReadFile(flag.Arg(1))
	if err != nil {
		fail("%v", err)
	}
	auth = strings.TrimSpace(string(h))
	v, err := note.NewVerifier(flag.Arg(2))
	if err != nil {
		fail("the verifier key: %v", err)
	}
	ckpt := get("checkpoint")
	size, root := open(ckpt, v)
	if *witness != "" {
		cosigned(ckpt, *witness)
	}
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles{})
	th, err := tlog.TreeHash(size, hr)
	if err != nil || th != root {
		fail("the tiles do not give the checkpoint's root: %v", err)
	}
	// Every entry, from the bundles, hashes to its leaf in the authenticated tiles.
	for start := int64(0); start < size; start += 256 {
		w := size - start
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}
		data := get(strings.Replace(strings.Replace(t.Path(), "tile/8/", "tile/", 1), "data/", "entries/", 1))
		r := bytes.NewReader(data)
		for i := int64(0); i < w; i++ {
			var n uint16
			if err := binary.Read(r, binary.BigEndian, &n); err != nil {
				fail("entry bundle %d: %v", t.N, err)
			}
			e := make([]byte, n)
			if _, err := io.ReadFull(r, e); err != nil {
				fail("entry bundle %d: %v", t.N, err)
			}
			leaf, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, start+i)})
			if err != nil || leaf[0] != tlog.RecordHash(e) {
				fail("entry %d does not hash to its leaf: %v", start+i, err)
			}
		}
		if r.Len() != 0 {
			fail("entry bundle %d has %d bytes too many", t.N, r.Len())
		}
	}
	if *oldFile != "" {
		old, err := os.ReadFile(*oldFile)
		if err != nil {
			fail("%v", err)
		}
		oldSize, oldRoot := open(old, v)
		p, err := tlog.ProveTree(size, oldSize, hr)
		if err != nil {
			fail("no consistency proof from %d to %d: %v", oldSize, size, err)
		}
		if err := tlog.CheckTree(p, size, root, oldSize, oldRoot); err != nil {
			fail("the trees of %d and %d are not consistent: %v", oldSize, size, err)
		}
	}
	fmt.Printf("ok %d\n", size)
}
