package testenv

import (
	"bytes"
	"sync"
)

// SyncBuffer collects a process's output from its own goroutine while a test
// reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Tail is the last n bytes written, trimmed, "…" marking a cut.
func (s *SyncBuffer) Tail(n int) string {
	out := s.String()
	if len(out) > n {
		out = "…" + out[len(out)-n:]
	}
	return string(bytes.TrimSpace([]byte(out)))
}
