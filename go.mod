module github.com/leakhound/leakhound

go 1.26
