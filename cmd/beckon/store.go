package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/boltstore"
	"github.com/beckonhq/beckon/store/redisstore"
)

// storeHelp is the --store flag's help.
const storeHelp = "store URL: bolt:PATH, redis://HOST:PORT/DB, rediss://… or redis+cluster://HOST:PORT,HOST:PORT"

// openStore opens the store a URL names: "" is the bbolt file at
// defaultPath, bolt:PATH another, redis://, rediss:// and
// redis+cluster:// Redis or Valkey (docs/scale-out.md), whose keys are
// given r as their time to live.
func openStore(url, defaultPath string, r store.Retention, log *slog.Logger) (store.Store, error) {
	scheme, rest, _ := strings.Cut(url, ":")
	switch {
	case url == "":
		return boltstore.Open(defaultPath, boltstore.Options{})
	case scheme == "bolt" && rest != "":
		return boltstore.Open(rest, boltstore.Options{})
	case scheme == "redis" || scheme == "rediss" || scheme == "redis+cluster":
		return redisstore.Open(url, redisstore.Options{Retention: r, Logger: log})
	}
	return nil, fmt.Errorf("--store %q: %s", url, storeHelp)
}

// simulationStore opens the store that simulations and rule tests run on
// (none for an empty URL: each run then has a temporary bbolt file).
func simulationStore(url string) (journey.Options, func(), error) {
	if url == "" {
		return journey.Options{}, func() {}, nil
	}
	st, err := openStore(url, "", store.Retention{}, nil)
	if err != nil {
		return journey.Options{}, nil, err
	}
	return journey.Options{Store: st}, func() { st.Close() }, nil
}

// redactedStore is a store URL without its password, to print.
func redactedStore(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a store URL that does not parse)"
	}
	return u.Redacted()
}
