module example.com/goleak

go 1.26
