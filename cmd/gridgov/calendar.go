package main

import (
	"fmt"
	"os"

	"gridgov/authz"
	"gridgov/internal/calendar"
	"gridgov/internal/store"
)

// calendarImportCmd is "gridgov calendar import FILE": it replaces the work calendar of the
// years in FILE (CSV date,working,name or a JSON array), all or nothing. Running processes
// reload it.
type calendarImportCmd struct {
	File string `arg:"" name:"file" type:"existingfile" help:"CSV (date,working,name; optional header, # comments) or a JSON array of {date, working, name}; every year in it is declared covered"`
	DB   dbFlag `embed:""`
}

// Run imports the file.
func (c *calendarImportCmd) Run(e *runEnv) error {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("calendar import: %w", err)
	}
	client, err := openDatabase(e.ctx, c.DB.URL)
	if err != nil {
		return err
	}
	defer client.Close()
	// Whoever holds the database URL administers the whole tree.
	years, moved, err := calendar.Import(authz.SystemContext(e.ctx, "calendar import from the command line"), client, data)
	if err != nil {
		return fmt.Errorf("calendar import %s: %w", c.File, err)
	}
	for _, y := range years {
		fmt.Fprintf(e.stdout, "work calendar %d in %s: %d days, covered\n", y.Year, store.RedactURL(c.DB.URL), len(y.Days))
	}
	fmt.Fprintf(e.stdout, "deadlines of open cases recomputed with it: %d moved\n", moved)
	return nil
}
