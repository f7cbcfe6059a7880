package photos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	// The stores a deployment may name: a local directory, S3 and S3-compatible services
	// (MinIO, Ceph, most Chinese clouds' object storage), and memory for tests.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
)

// Store keeps the bytes of photos and thumbnails in a bucket of gocloud.dev/blob.
type Store struct{ bucket *blob.Bucket }

// DefaultDir is the directory photos go to when no store is configured, relative to the
// working directory.
const DefaultDir = "gridgov-photos"

// DirURL is the store URL of a local directory: created when missing, files written in place
// (no temporary files in another file system) and no sidecar metadata files.
func DirURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "create_dir=1&no_tmp_dir=1&metadata=skip"}
	return u.String(), nil
}

// Open opens the store at a URL: file:///var/lib/gridgov/photos?create_dir=1 (a directory),
// s3://bucket?region=cn-north-1&endpoint=https://s3.example.cn&use_path_style=true (S3 or a
// compatible service; credentials from the usual AWS environment variables or files), or
// mem:// (memory, for tests).
func Open(ctx context.Context, storeURL string) (*Store, error) {
	b, err := blob.OpenBucket(ctx, storeURL)
	if err != nil {
		return nil, fmt.Errorf("open photo store %s: %w", Redact(storeURL), err)
	}
	return &Store{bucket: b}, nil
}

// Memory returns an empty store in memory.
func Memory(ctx context.Context) *Store {
	s, err := Open(ctx, "mem://")
	if err != nil {
		panic(err) // memblob is linked in: opening it cannot fail
	}
	return s
}

// Put stores data under key.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) error {
	return s.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: contentType})
}

// Get reads the data under key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	return s.bucket.ReadAll(ctx, key)
}

// Delete removes key; a missing key is no error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.bucket.Delete(ctx, key); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// Count counts the keys stored (tests check that a refused upload stored nothing).
func (s *Store) Count(ctx context.Context) (int, error) {
	n := 0
	it := s.bucket.List(nil)
	for {
		_, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }

// Close closes the store.
func (s *Store) Close() error { return s.bucket.Close() }

// Redact drops the query and user of a store URL, which may hold credentials.
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}
