package a

func leak() {}

func calls() {
	leak() // want "leak call"
	leak() //leakhound:ignore fake on the same line

	//leakhound:ignore fake on the line above
	leak()

	//leakhound:ignore fake two lines above suppresses nothing

	leak() // want "leak call"

	//leakhound:ignore all every analyzer
	leak()

	//leakhound:ignore other,fake several analyzers
	leak()

	//leakhound:ignore other another analyzer only
	leak() // want "leak call"

	leak() /* want "leak call" */ //leakhound:ignore fake

	//leakhound:ignorefake not the directive
	leak() // want "leak call"

	// leakhound:ignore fake not a directive either (space after //)
	leak() // want "leak call"
}

func later() {
	leak() // want "leak call"
}
