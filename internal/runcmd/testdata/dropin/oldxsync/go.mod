module example.com/dropin/oldxsync

go 1.20

require golang.org/x/sync v0.1.0
