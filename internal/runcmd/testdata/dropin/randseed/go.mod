module example.com/dropin/randseed

go 1.19
