package main

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

var (
	shopStatus = []string{"paid", "paid", "paid", "pending", "refunded"}
	shopNames  = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Soylent", "Wonka", "Cyberdyne"}
	shopKinds  = []string{"Labs", "Foods", "Logistics", "Retail", "Bank", "Media"}
)

// Shop sizes: customers, each with an account manager from the CSV, and their orders.
const (
	shopCustomers = 120
	shopOrders    = 1500
)

// writeShop makes W5's SQLite database as SQL statements (the sqlite server itself runs them:
// the bench needs no SQLite driver of its own) and records W5's answer: paid revenue per team,
// where a customer's revenue counts for the team of its account manager, which only the CSV
// knows. people maps each person of the CSV to their team.
func writeShop(d *dataset, people [][2]string) {
	r := rand.New(rand.NewPCG(5, 2026)) // a seed of its own: the other data stays as it was
	d.ShopSQL = []string{
		"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, account_manager TEXT NOT NULL)",
		"CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), placed_on TEXT NOT NULL, status TEXT NOT NULL, amount_cents INTEGER NOT NULL)",
	}
	team := map[string]string{}
	for _, p := range people {
		team[p[0]] = p[1]
	}
	manager := make([]string, shopCustomers+1)
	var rows []string
	for id := 1; id <= shopCustomers; id++ {
		manager[id] = people[r.IntN(len(people))][0]
		name := fmt.Sprintf("%s %s %d", shopNames[r.IntN(len(shopNames))], shopKinds[r.IntN(len(shopKinds))], id)
		rows = append(rows, fmt.Sprintf("(%d, '%s', '%s', '%s')", id, name, cities[r.IntN(len(cities))], manager[id]))
	}
	d.ShopSQL = append(d.ShopSQL, "INSERT INTO customers VALUES "+strings.Join(rows, ", "))

	paid := map[string]int64{}
	rows = rows[:0]
	for id := 1; id <= shopOrders; id++ {
		customer := 1 + r.IntN(shopCustomers)
		status := shopStatus[r.IntN(len(shopStatus))]
		cents := int64(500 + r.IntN(250000))
		rows = append(rows, fmt.Sprintf("(%d, %d, '%s', '%s', %d)", id, customer, started.AddDate(0, 0, r.IntN(180)).Format("2006-01-02"), status, cents))
		if status == "paid" {
			paid[team[manager[customer]]] += cents
		}
	}
	d.ShopSQL = append(d.ShopSQL, "INSERT INTO orders VALUES "+strings.Join(rows, ", "))

	d.Revenue = nil
	for t, c := range paid {
		d.Revenue = append(d.Revenue, fmt.Sprintf("%s: %d.%02d", t, c/100, c%100))
	}
	sort.Strings(d.Revenue)
}
