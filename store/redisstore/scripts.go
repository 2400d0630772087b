package redisstore

import (
	"embed"
)

//go:embed lua/*.lua
var luaFiles embed.FS

func mustScript(name string) *script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return newScript(string(src))
}

// The scripts; each says in its header what it does.
var (
	commitScript      = mustScript("commit")
	claimDueScript    = mustScript("claimdue")
	dueScript         = mustScript("due")
	takeScript        = mustScript("take")
	listScript        = mustScript("list")
	sweepScript       = mustScript("sweep")
	countsScript      = mustScript("counts")
	sweepCountsScript = mustScript("sweepcounts")
	claimTokenScript  = mustScript("claimtoken")
	repliesScript     = mustScript("replies")
)
