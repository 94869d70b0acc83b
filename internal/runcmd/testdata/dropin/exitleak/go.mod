module example.com/dropin/exitleak

go 1.22
