module example.com/dropin/loopvar121

go 1.21
