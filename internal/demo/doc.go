// Package demo loads the Xushui demo data set: the grid tree, people, role assignments and
// patrol vehicles of 须水街道 (Zhongyuan district, Zhengzhou) shaped after the founding article
// (see DOMAIN.md, "What the article describes").
//
// The data set is deterministic: names, phone numbers and figures come from a math/rand/v2 PCG
// source with a fixed seed, and every date is fixed, so two loads into two databases hold the
// same rows. Place names come from the article; every person is synthetic, made of a surname
// and given-name characters, and the names of the people the article mentions are excluded.
//
// The shape:
//   - 中原区 (DistrictCode, tree level 0) above 须水街道 (SubDistrictCode, level 1; "level 1"
//     in the article's terms);
//   - 14 level-2 grids: 10 villages, 3 communities and one enterprise zone;
//   - 96 level-3 grids: villager groups, key enterprises and institutions, residential compounds;
//   - more than 1,000 people holding the article's roles, with a few ended (historic)
//     assignments and their successors, and 66 plated patrol vehicles.
package demo
