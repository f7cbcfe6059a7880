package main

import (
	"fmt"
	"os"

	"gridgov/authz"
	"gridgov/internal/geo"
	"gridgov/internal/gridmap"
)

// boundariesCmd is "gridgov import boundaries FILE.geojson".
type boundariesCmd struct {
	File        string `arg:"" name:"file" type:"existingfile" help:"a GeoJSON FeatureCollection, one feature per grid with its code in properties.code"`
	DB          dbFlag `embed:""`
	CoordSystem string `name:"coord-system" default:"WGS84" enum:"WGS84,GCJ02,BD09" help:"the file's coordinate system: WGS84 (GPS, the standards), GCJ02 (AMap, Tencent) or BD09 (Baidu); stored as WGS-84"`
	DryRun      bool   `name:"dry-run" help:"check every feature and store nothing"`
}

// maxBoundaryFile bounds the file read: a city's level-3 outlines, simplified, fit well below.
const maxBoundaryFile = 200 << 20

// Run checks the file's boundaries and, unless --dry-run, stores them.
func (c *boundariesCmd) Run(e *runEnv) error {
	info, err := os.Stat(c.File)
	if err != nil {
		return err
	}
	if info.Size() > maxBoundaryFile {
		return fmt.Errorf("%s is larger than %d MB: split it", c.File, maxBoundaryFile>>20)
	}
	data, err := os.ReadFile(c.File)
	if err != nil {
		return err
	}
	client, err := openDatabase(e.ctx, c.DB.URL)
	if err != nil {
		return err
	}
	defer client.Close()
	sys := authz.SystemContext(e.ctx, "import grid boundaries from the command line")
	res, err := gridmap.Import(sys, client, data, geo.System(c.CoordSystem), c.DryRun)
	if err != nil {
		return err
	}
	if c.DryRun {
		fmt.Fprintf(e.stdout, "dry run: %d boundaries checked, nothing stored\n", len(res.Stored))
		return nil
	}
	fmt.Fprintf(e.stdout, "stored %d boundaries in one transaction\n", len(res.Stored))
	return nil
}
