package main

import (
	"flag"

	"renewmap/internal/topology"
)

// topologyFlags binds the flags of the walk network's topology check that ends every import
// (docs/topology.md) and returns the options they give.
func topologyFlags(fs *flag.FlagSet) func() topology.Options {
	var o topology.Options
	fs.Float64Var(&o.Merge, "merge-tolerance", topology.DefaultMerge, "metres under which road vertices merge and a road end joins the road it lies on (0: never)")
	fs.Float64Var(&o.Dangle, "dangle-distance", topology.DefaultDangle, "metres within which a road end that touches nothing is reported as a dangle")
	fs.BoolVar(&o.SnapDangles, "snap-dangles", false, "join every dangle to the road it nearly touches")
	return func() topology.Options {
		if o.Merge <= 0 {
			o.Merge = -1 // the flag's 0 means never; the options' 0 means the default
		}
		return o
	}
}
