package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/client"
)

type user struct {
	ID                 string    `json:"id"`
	Username           string    `json:"username"`
	DisplayName        string    `json:"displayName"`
	Role               string    `json:"role"`
	MustChangePassword bool      `json:"mustChangePassword"`
	Disabled           bool      `json:"disabled"`
	CreatedAt          time.Time `json:"createdAt"`
}

func newUserCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage officer accounts (admin)",
		Long: `Manage the officer accounts of a node. Roles: admin, spoc (single point of contact
operator), investigator, analyst, border (lookups only), prosecutor, reviewer (notice
compliance), dpo (data protection officer).`,
	}
	var role, display string
	add := &cobra.Command{
		Use:     "add NAME --role ROLE",
		Short:   "Create an account; prints a one-time password",
		Example: "  liaison user add j.devries --role investigator --dir ./nl",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var res struct {
				User     user   `json:"user"`
				Password string `json:"password"`
			}
			body := map[string]string{"username": args[0], "role": role, "displayName": display}
			if err := c.Post(cmd.Context(), "/api/v1/users", body, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			fmt.Fprintf(env.Stdout, "Created %s (%s). One-time password (the user must change it):\n  %s\n",
				res.User.Username, res.User.Role, res.Password)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "", "admin, spoc, investigator, analyst, border, prosecutor, reviewer or dpo (required)")
	add.Flags().StringVar(&display, "display-name", "", "full name shown in the portal")
	add.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			users, err := listAll[user](cmd, c, "/api/v1/users")
			if err != nil {
				return err
			}
			return env.printList(users, len(users), []string{"USERNAME", "ROLE", "STATE", "NAME", "CREATED"}, func(i int) []string {
				u := users[i]
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				return []string{u.Username, u.Role, state, u.DisplayName, u.CreatedAt.Format(time.DateOnly)}
			})
		},
	}
	setDisabled := func(use, short string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := env.Client()
				if err != nil {
					return err
				}
				var u user
				req := client.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + url.PathEscape(args[0]),
					Body: map[string]bool{"disabled": disabled}}
				if err := c.Do(cmd.Context(), req, &u); err != nil {
					return err
				}
				if env.JSON {
					return env.printJSON(u)
				}
				fmt.Fprintf(env.Stdout, "%s is now %s\n", u.Username, map[bool]string{true: "disabled", false: "enabled"}[u.Disabled])
				return nil
			},
		}
	}
	cmd.AddCommand(add, list,
		setDisabled("disable", "Disable an account (its history is kept; its tokens and sessions stop working)", true),
		setDisabled("enable", "Enable a disabled account", false))
	return cmd
}

func newTokenCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var username, expires, name string
	create := &cobra.Command{
		Use:     "create --user NAME [--expires 720h]",
		Short:   "Create an API token for a user (printed once)",
		Example: "  liaison token create --user j.devries --expires 720h --dir ./nl",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var res struct {
				Token struct {
					ID        string    `json:"id"`
					Username  string    `json:"username"`
					ExpiresAt time.Time `json:"expiresAt"`
				} `json:"token"`
				Secret string `json:"secret"`
			}
			body := map[string]string{"username": username, "expiresIn": expires, "name": name}
			if err := c.Post(cmd.Context(), "/api/v1/tokens", body, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			fmt.Fprintf(env.Stdout, "Token %s for %s, expires %s. Store it now; it is not shown again:\n  %s\n",
				res.Token.ID, res.Token.Username, res.Token.ExpiresAt.Format(time.RFC3339), res.Secret)
			return nil
		},
	}
	create.Flags().StringVar(&username, "user", "", "whose token (default: yourself)")
	create.Flags().StringVar(&expires, "expires", "720h", "lifetime, e.g. 24h or 720h")
	create.Flags().StringVar(&name, "name", "", "a label, e.g. the script that uses it")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			req := client.Request{Method: http.MethodDelete, Path: "/api/v1/tokens/" + url.PathEscape(args[0])}
			if err := c.Do(cmd.Context(), req, nil); err != nil {
				return err
			}
			if !env.JSON {
				fmt.Fprintf(env.Stdout, "Revoked token %s\n", args[0])
			}
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (admins see all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			type token struct {
				ID        string     `json:"id"`
				Username  string     `json:"username"`
				Name      string     `json:"name"`
				ExpiresAt time.Time  `json:"expiresAt"`
				RevokedAt *time.Time `json:"revokedAt"`
			}
			toks, err := listAll[token](cmd, c, "/api/v1/tokens")
			if err != nil {
				return err
			}
			return env.printList(toks, len(toks), []string{"ID", "USER", "STATE", "EXPIRES", "NAME"}, func(i int) []string {
				t := toks[i]
				state := "active"
				if t.RevokedAt != nil {
					state = "revoked"
				} else if time.Now().After(t.ExpiresAt) {
					state = "expired"
				}
				return []string{t.ID, t.Username, state, t.ExpiresAt.Format(time.DateOnly), t.Name}
			})
		},
	}
	cmd.AddCommand(create, revoke, list)
	return cmd
}

// listAll follows nextCursor through every page of a list endpoint.
func listAll[T any](cmd *cobra.Command, c *client.Client, path string) ([]T, error) {
	var all []T
	q := url.Values{"limit": {"500"}}
	for {
		var page struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		if err := c.Get(cmd.Context(), path, q, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, nil
		}
		q.Set("cursor", page.NextCursor)
	}
}
