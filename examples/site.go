// Package examples holds the demo site, example journeys and rule tests.
package examples

import "embed"

// Site is the demo website of a home-services company. Each page embeds the
// beacon; site/index.html answers "/" and site/NAME.html answers "/NAME".
//
//go:embed site
var Site embed.FS
