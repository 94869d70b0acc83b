module example.com/dropin/go113dep

go 1.13

require github.com/google/go-cmp v0.5.9
