module example.com/baselinemod

go 1.26
