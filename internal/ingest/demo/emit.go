package demo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// publicRoads returns the public lines in code order: north–south grid lines, east–west grid
// lines, alleys.
func (m *model) publicRoads() []*line {
	out := append([]*line(nil), m.vl...)
	out = append(out, m.hl...)
	return append(out, m.alleys...)
}

func roadProp(l *line, seg [2]float64) roadProps {
	e := l.edge((seg[0] + seg[1]) / 2)
	return roadProps{Name: l.name, Class: l.class, Surface: e.surface, Walkable: true,
		ResurfaceYear: e.resurface, WidthM: l.width}
}

// emit adds one copy of the fabric to the dataset.
func (m *model) emit(d *Dataset, cp copyCtx) error {
	add := func(layer int, props any, g geom) error { return d.add(layer, props, g) }
	for _, s := range m.subs {
		var cells [][2]int
		for _, n := range s.nbs {
			cells = append(cells, n.cells...)
		}
		ring, err := m.traceCells(cells)
		if err != nil {
			return fmt.Errorf("subdistrict %s: %w", s.name, err)
		}
		if err := add(lSubdistricts, subdistrictProps{Code: cp.code(s.code), Name: cp.name(s.name), District: "220302"}, gPoly{cp, ring}); err != nil {
			return err
		}
	}
	for _, s := range m.subs {
		for _, n := range s.nbs {
			ring, err := m.traceCells(n.cells)
			if err != nil {
				return fmt.Errorf("neighbourhood %s: %w", n.name, err)
			}
			if err := add(lNeighbourhoods, neighbourhoodProps{Code: cp.code(n.code), Name: cp.name(n.name), Subdistrict: cp.code(s.code)}, gPoly{cp, ring}); err != nil {
				return err
			}
		}
	}
	for _, c := range m.comms {
		nb := c.blk.nb
		if err := add(lCommunities, communityProps{Code: cp.code(c.code), Name: cp.name(c.name),
			Subdistrict: cp.code(nb.sub.code), Neighbourhood: cp.code(nb.code), CompletedYear: c.year,
			PropertyType: c.ptype, Management: c.mgmt, Address: c.address}, gPoly{cp, c.r.ring()}); err != nil {
			return err
		}
	}
	for _, c := range m.comms {
		for _, b := range c.buildings {
			if err := add(lBuildings, buildingProps{Code: cp.code(b.code), Community: cp.code(c.code),
				Number: b.number, Floors: b.floors, Units: b.units, Households: b.households, FloorArea: b.area,
				CompletedYear: b.year, Structure: b.structure, HasElevator: b.elevator,
				ElevatorFeasible: b.feasible, SafetyGrade: b.grade}, gPoly{cp, b.r.ring()}); err != nil {
				return err
			}
		}
	}
	n := 0
	for _, l := range m.publicRoads() {
		for _, seg := range l.segments() {
			n++
			p := roadProp(l, seg)
			p.Code = cp.code(fmt.Sprintf("TX-R%04d", n))
			if err := add(lRoads, p, gLine{cp, []pt{l.at(seg[0]), l.at(seg[1])}}); err != nil {
				return err
			}
		}
	}
	for _, c := range m.comms {
		k := 0
		for _, l := range c.paths {
			for _, seg := range l.segments() {
				k++
				p := roadProp(l, seg)
				p.Code = cp.code(fmt.Sprintf("%s-R%02d", c.code, k))
				p.Community = cp.code(c.code)
				if err := add(lRoads, p, gLine{cp, []pt{l.at(seg[0]), l.at(seg[1])}}); err != nil {
					return err
				}
			}
		}
	}
	for _, c := range m.comms {
		for _, g := range c.gates {
			if err := add(lGates, gateProps{Code: cp.code(g.code), Community: cp.code(c.code), Name: g.name,
				Kind: g.kind, OpenHours: g.hours}, gPoint{cp, g.p}); err != nil {
				return err
			}
		}
	}
	n = 0
	perComm := map[*community]int{}
	for _, p := range m.pipes {
		props := pipelineProps{Kind: p.kind, Material: p.material, DiameterMM: p.diam, LaidYear: p.year,
			Condition: p.cond, Operator: p.operator}
		depth := p.depth
		props.DepthM = &depth
		if p.comm != nil {
			perComm[p.comm]++
			props.Code = cp.code(fmt.Sprintf("%s-L%02d", p.comm.code, perComm[p.comm]))
			props.Community = cp.code(p.comm.code)
		} else {
			n++
			props.Code = cp.code(fmt.Sprintf("TX-L%05d", n))
		}
		if err := add(lPipelines, props, gLine{cp, p.pts}); err != nil {
			return err
		}
	}
	for k, f := range m.facs {
		props := facilityProps{Code: cp.code(fmt.Sprintf("TX-F%04d", k+1)), Kind: f.kind, Name: cp.name(f.name),
			Capacity: f.capacity, Status: "existing"}
		if f.planned {
			props.Status = "planned"
		}
		if f.comm != nil {
			props.Community = cp.code(f.comm.code)
		}
		if err := add(lFacilities, props, gPoint{cp, f.p}); err != nil {
			return err
		}
	}
	for k, p := range m.parks {
		props := parkingProps{Code: cp.code(fmt.Sprintf("TX-K%04d", k+1)), Kind: p.kind, Capacity: p.capacity, Name: p.name}
		if p.comm != nil {
			props.Community = cp.code(p.comm.code)
		}
		var g geom = gPoint{cp, p.p}
		if p.lot != nil {
			g = gPoly{cp, p.lot.ring()}
		}
		if err := add(lParking, props, g); err != nil {
			return err
		}
	}
	for k, s := range m.sites {
		props := siteProps{Code: cp.code(fmt.Sprintf("TX-S%03d", k+1)), Name: cp.name(s.name), Origin: s.origin,
			AreaM2: math.Round(s.r.area()*10) / 10, HostableKinds: s.kinds, Note: s.note}
		if s.comm != nil {
			props.Community = cp.code(s.comm.code)
		}
		if err := add(lSites, props, gPoly{cp, s.r.ring()}); err != nil {
			return err
		}
	}
	for k, p := range m.plans {
		props := planProps{Code: cp.code(fmt.Sprintf("TX-P%03d", k+1)), Community: cp.code(p.c.code),
			Stage: p.stage, Batch: p.batch, BatchYear: p.year, PlannedStart: p.pStart, PlannedEnd: p.pEnd,
			ActualStart: p.aStart, ActualEnd: p.aEnd, ConsentRate: p.consent, ManagementAfter: p.mgmtAfter,
			Items: p.items, Funding: p.funding}
		if err := add(lPlans, props, nil); err != nil {
			return err
		}
	}
	return nil
}

// checkInside verifies that every generated coordinate of the first copy lies inside the
// outline.
func (m *model) checkInside(shape orb.Geometry) error {
	cp := copyCtx{}
	check := func(what string, ps ...pt) error {
		for _, p := range ps {
			lon, lat := cp.lonLat(p)
			if !contains(shape, orb.Point{lon, lat}) {
				return fmt.Errorf("%s at %.7f,%.7f lies outside the outline", what, lon, lat)
			}
		}
		return nil
	}
	var errs []error
	for _, c := range m.comms {
		errs = append(errs, check(c.code, c.r.ring()...))
		for _, g := range c.gates {
			errs = append(errs, check(g.code, g.p))
		}
		for _, l := range c.paths {
			errs = append(errs, check(c.code+" path", l.at(l.a), l.at(l.b)))
		}
	}
	for _, l := range m.publicRoads() {
		for _, s := range l.segments() {
			errs = append(errs, check("road "+l.name, l.at(s[0]), l.at(s[1])))
		}
	}
	for _, p := range m.pipes {
		errs = append(errs, check("pipeline", p.pts...))
	}
	for _, f := range m.facs {
		errs = append(errs, check("facility "+f.name, f.p))
	}
	for _, p := range m.parks {
		if p.lot != nil {
			errs = append(errs, check("parking", p.lot.ring()...))
		} else {
			errs = append(errs, check("parking", p.p))
		}
	}
	for _, s := range m.sites {
		errs = append(errs, check("site "+s.name, s.r.ring()...))
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
