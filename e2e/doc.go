// Package e2e holds end-to-end tests that drive the demo site in headless Chromium against a real server.
package e2e
