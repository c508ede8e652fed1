package web_test

import (
	"fmt"
	"os"

	"github.com/smpbot/smpbot/bot"
	"github.com/smpbot/smpbot/bot/web"
)

// A sign-in link made by one process (here, the same one) signs in once.
func ExampleLinks() {
	dir, err := os.MkdirTemp("", "links")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	links := web.NewLinks(dir)
	token, _ := links.Mint(bot.Identity{Platform: "cli", User: "ana", Name: "Ana"}, web.DefaultLinkTTL)
	who, err := links.Redeem(token)
	fmt.Println(who.Name, err)
	_, err = links.Redeem(token)
	fmt.Println(err)
	// Output:
	// Ana <nil>
	// sign-in link unknown, used or expired
}
