module example.com/dropin/printf115

go 1.15
