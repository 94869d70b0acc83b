module example.com/dropin/leaky

go 1.22
