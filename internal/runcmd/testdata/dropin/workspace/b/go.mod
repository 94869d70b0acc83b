module example.com/dropin/workspace/b

go 1.22
