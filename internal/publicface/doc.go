// Package publicface is gridgov's public surface (公开): the notice cards (公示卡) and badges
// (胸卡) of "three shows" (三亮), the resident report and tracking pages the cards' QR codes
// open, and the village bulletin 《村情民意》 with its grid management column generated from
// the cases. Everything here is served without sign-in, so it reads on the system's account
// and copies out only the fields meant for the public: names, titles, photos, masked phones,
// duties; never full phones, household data, reporters or private notes.
package publicface
