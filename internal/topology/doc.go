// Package topology checks and repairs the topology of the walk network's lines as they are
// stored, before the walking-network engine (internal/access) builds its graph from them. The
// engine joins two lines only where they share a vertex (equal to the centimetre); this package
// makes the stored lines say what the data meant, and reports what it cannot decide:
//
//   - Vertices of different lines closer than Options.Merge (default 0.5 m) become one vertex:
//     the one of the line stored first (lowest id) stays, the others move onto it. A vertex moves
//     at most Merge metres and never merges into a vertex of its own line.
//   - An end of a line that touches no other line but lies within Merge of another line's segment
//     is joined to it: the point becomes a vertex of that line and the end moves onto it.
//   - Lines that cross without a shared vertex stay apart: bridges and underpasses are real.
//   - A dangle is an end that touches no other line and lies within Options.Dangle (default 5 m)
//     of another line. Dangles are reported; with Options.SnapDangles each is joined by a short
//     new segment to the nearest point of that line, which becomes a vertex of it.
//
// Distances are measured in a local metric frame (equirectangular about the lines' mean latitude,
// as the engine does); over a district the scale error is far below a centimetre per metre.
package topology
