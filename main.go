// Command vanthu is the desktop app: receive, sign and forward official
// documents. `go run . --demo` starts it with an embedded axis and demo PKI.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vanthu/vanthu/app"
)

func main() {
	var p app.Params
	flag.StringVar(&p.DataDir, "data", "", "data directory (inbox, settings); default: the user's data dir")
	flag.BoolVar(&p.Demo, "demo", false, "demo mode: embedded axis, demo PKI, demo agencies and documents")
	flag.BoolVar(&p.DemoIfNew, "demo-if-new", false, "demo mode unless this computer's desk has been set up (make run)")
	flag.Parse()
	if err := app.Run(p); err != nil {
		fmt.Fprintln(os.Stderr, "vanthu:", err)
		os.Exit(1)
	}
}
