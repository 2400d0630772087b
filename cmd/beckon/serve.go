package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/beckonhq/beckon/server"
)

// shutdownTimeout bounds how long requests in flight may take to finish.
const shutdownTimeout = 10 * time.Second

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default: the demo)")
	addr := fs.String("addr", "", "listen address HOST:PORT, e.g. :8080 (default "+server.DefaultListen+")")
	dataDir := fs.String("data", "", "data directory (default ./"+server.DefaultDataDir+")")
	storeURL := fs.String("store", "", storeHelp+" (default: DATA_DIR/beckon.db)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: beckon serve [--config FILE] [--addr HOST:PORT] [--data DIR] [--store URL]")
		return 2
	}
	cfg, demoKey, err := serveConfig(*configPath, *addr, *dataDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *storeURL != "" {
		cfg.Store = *storeURL
	}
	if err := runServer(cfg, demoKey, stdout, slog.New(slog.NewTextHandler(stderr, nil))); err != nil {
		fmt.Fprintln(stderr, "beckon serve:", err)
		return 1
	}
	return 0
}

// serveConfig is the file's configuration with the flags applied, or the
// demo's without --config (with its API key, to show it).
func serveConfig(path, addr, dataDir string) (*server.Config, string, error) {
	if path == "" {
		if addr != "" {
			if err := server.CheckListen(addr); err != nil {
				return nil, "", fmt.Errorf("--addr: %w", err)
			}
		}
		if dataDir == "" {
			dataDir = server.DefaultDataDir
		}
		key, err := demoKey(dataDir)
		if err != nil {
			return nil, "", err
		}
		cfg, err := server.DemoConfig(dataDir, addr, key)
		return cfg, key, err
	}
	cfg, err := server.LoadConfig(path)
	if err != nil {
		return nil, "", err
	}
	return cfg, "", cfg.Override(addr, dataDir)
}

// runServer serves until SIGINT or SIGTERM, reloading the rules on SIGHUP, then
// shuts down in order: HTTP, engines and pipeline, store.
func runServer(cfg *server.Config, demoKey string, stdout io.Writer, log *slog.Logger) error {
	db, err := openStore(cfg.Store, cfg.DBPath(), cfg.StoreRetention(), log)
	if err != nil {
		return err
	}
	defer db.Close()
	srv, err := server.New(server.Options{Config: cfg, Store: db, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	hs := srv.HTTPServer()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	writeBanner(stdout, cfg, ln.Addr(), demoKey)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			srv.Reload() // logs each diagnostic; failing rules are not swapped in
		case err := <-served:
			return err
		case <-ctx.Done():
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("HTTP shutdown", "err", err)
			}
			return srv.Close()
		}
	}
}
