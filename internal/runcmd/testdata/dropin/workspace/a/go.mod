module example.com/dropin/workspace/a

go 1.22
