package directives

//leakhound:ignore fake a reason
var ok int

//leakhound:ignore fake,other several analyzers, with a reason
var several int

//leakhound:ignore all every analyzer
var all int

/* want `leakhound:ignore fake has no reason and suppresses nothing: say why the finding does not apply` */ //leakhound:ignore fake
var noReason int

/* want `names no analyzer` */ //leakhound:ignore
var nothing int

//leakhound:ignore fkae typo // want `leakhound:ignore names unknown analyzer "fkae": use one of fake, other, or all`
var typo int

//leakhound:ignore fake,bogus one bad name // want `unknown analyzer "bogus"`
var oneBad int

// leakhound:ignore bogus not a directive: a space after the slashes
var prose int
