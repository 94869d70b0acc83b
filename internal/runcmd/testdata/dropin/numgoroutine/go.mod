module example.com/dropin/numgoroutine

go 1.22
