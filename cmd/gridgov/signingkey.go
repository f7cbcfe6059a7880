package main

import (
	"bytes"
	"fmt"
	"os"
)

// minSigningKeyBytes is the shortest link-signing key serve accepts: 32 bytes, the size of
// the HMAC-SHA-256 it keys (a base64 text of 32 random bytes has 44).
const minSigningKeyBytes = 32

// readSigningKey reads the link-signing key from path: the file's bytes without surrounding
// whitespace (a trailing newline from echo or an editor must not change the key).
func readSigningKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key := bytes.TrimSpace(b)
	if len(key) < minSigningKeyBytes {
		return nil, fmt.Errorf("%s holds %d bytes, want at least %d (e.g. head -c 32 /dev/urandom | base64 > %s)", path, len(key), minSigningKeyBytes, path)
	}
	return key, nil
}
