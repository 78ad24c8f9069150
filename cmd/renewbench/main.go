// Command renewbench measures a running renewmap for docs/performance.md (`make bench` runs it):
//
//	renewbench tiles -base URL -bbox W,S,E,N [-layer all] [-cookie C] …  tile latency and throughput
//	renewbench load  -base URL -users role:user:pw,… [-clients 64] …     mixed load from many clients
//	renewbench rate  -template URL -bbox W,S,E,N -zoom Z [-clients 8] …   any server, the same tiles
//	renewbench day   -base URL -viewer u:pw -planner u:pw -database-url U  tiles while people edit
package main

import (
	"fmt"
	"os"
	"slices"
	"time"
)

func main() {
	modes := map[string]func([]string) error{"tiles": tilesMain, "load": loadMain, "day": dayMain, "rate": rateMain}
	if len(os.Args) < 2 || modes[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: renewbench tiles|load|day|rate [flags]")
		os.Exit(2)
	}
	if err := modes[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "renewbench:", err)
		os.Exit(1)
	}
}

// pct is the p-th percentile of d, in milliseconds.
func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return fmt.Sprintf("%.2f ms", float64(s[(len(s)-1)*p/100].Microseconds())/1000)
}
