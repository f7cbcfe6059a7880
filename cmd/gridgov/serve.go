package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"gridgov/authz"
	"gridgov/internal/auth"
	"gridgov/internal/demo"
	"gridgov/internal/server"
	"gridgov/internal/store"
)

func serveCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("serve")
	addr := fs.String("addr", "GRIDGOV_ADDR", "127.0.0.1:8080", "address to listen on")
	dbURL := fs.databaseFlag()
	withDemo := fs.Bool("demo", "GRIDGOV_DEMO", false, "load the Xushui demo data set and demo accounts (demo only)")
	introspection := fs.Bool("introspection", "GRIDGOV_INTROSPECTION", true, "allow GraphQL schema introspection")
	sessionTTL := fs.Int("session-hours", "GRIDGOV_SESSION_HOURS", 12, "how long a sign-in lasts, in hours")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	enforcer, err := authz.NewEnforcer()
	if err != nil {
		return err
	}
	if *withDemo {
		all, err := demo.LoadAll(ctx, client)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo data: %d grids (1 sub-district, %d level-2, %d level-3), %d people, %d assignments, %d vehicles\n",
			all.Grids, all.Level2, all.Level3, all.People, all.Assignments, all.Vehicles)
		fmt.Fprintf(stdout, "demo cases: %d; daily work: %d households, %d visits, %d patrols, %d daily reports\n",
			all.Cases, all.Daily.Households, all.Daily.Visits, all.Daily.Patrols, all.Daily.DailyReports)
		fmt.Fprintf(stdout, "demo sign-ins (password %q for all; demo only):\n", demo.AccountPassword)
		for _, a := range all.Accounts {
			fmt.Fprintf(stdout, "  %-14s %s\n", a.Username, a.Description)
		}
	}
	handler := server.New(server.Config{
		Client:        client,
		Enforcer:      enforcer,
		Auth:          auth.NewService(client, enforcer, time.Duration(*sessionTTL)*time.Hour),
		Introspection: *introspection,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	fmt.Fprintf(stdout, "gridgov serving %s on http://%s/ (GraphiQL) and http://%s/graphql\n", store.RedactURL(*dbURL), ln.Addr(), ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
