package health

import (
	"net/http"
	"time"
)

// ServerTimeouts bound what one HTTP client of the monitor can hold: a
// connection that sends no request header, reads its answer slowly, or
// stays idle between scrapes is closed, so idle or stalled clients cannot
// pile up (the monitor is reachable wherever its Service or port is).
type ServerTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultServerTimeouts: scrapes and probes finish in milliseconds; the idle
// bound outlives a 15 s scrape interval, so Prometheus keeps its connection.
var DefaultServerTimeouts = ServerTimeouts{ReadHeader: 5 * time.Second, Read: 10 * time.Second, Write: 10 * time.Second, Idle: 30 * time.Second}

// maxHeaderBytes is the most of a request's header the monitor reads.
const maxHeaderBytes = 16 << 10

// NewHTTPServer serves h with the given timeouts.
func NewHTTPServer(h http.Handler, t ServerTimeouts) *http.Server {
	return &http.Server{
		Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write,
		IdleTimeout: t.Idle, MaxHeaderBytes: maxHeaderBytes,
	}
}
