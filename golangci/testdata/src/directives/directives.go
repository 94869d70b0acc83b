package directives

/* want `leakhound:ignore rawfd has no reason` */ //leakhound:ignore rawfd
var noReason int

//leakhound:ignore goroutineleek a typo // want `names unknown analyzer "goroutineleek"`
var typo int
