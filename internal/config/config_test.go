package config

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestBind(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://env/db", "RENEWMAP_ADDR": "127.0.0.1:9999"}
	tests := []struct {
		name    string
		args    []string
		addr    string
		db      string
		wantErr bool
	}{
		{"environment", nil, "127.0.0.1:9999", "postgres://env/db", false},
		{"flags win over environment", []string{"-addr", "0.0.0.0:81", "-database-url", "postgres://flag/db"}, "0.0.0.0:81", "postgres://flag/db", false},
		{"bad address", []string{"-addr", "nonsense"}, "nonsense", "postgres://env/db", true},
		{"statement timeout too long", []string{"-statement-timeout", "40s"}, "127.0.0.1:9999", "postgres://env/db", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			c.Bind(fs, func(k string) string { return env[k] }, true)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if c.Addr != tt.addr || c.DatabaseURL != tt.db {
				t.Errorf("got addr %q db %q, want %q %q", c.Addr, c.DatabaseURL, tt.addr, tt.db)
			}
			if err := c.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestDefaultNeedsDatabase(t *testing.T) {
	c := Default()
	if err := c.Validate(); err == nil {
		t.Fatal("a configuration without a database validated")
	}
	c.DatabaseURL = "postgres://x/y"
	if err := c.Validate(); err != nil {
		t.Fatalf("default configuration with a database: %v", err)
	}
	if c.StatementTimeout >= c.RequestTimeout || c.RequestTimeout != 30*time.Second {
		t.Errorf("unexpected default timeouts %v / %v", c.StatementTimeout, c.RequestTimeout)
	}
}
