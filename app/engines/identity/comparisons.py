"""The model's comparisons: one per field, with the levels a consultant reads in a pair's explanation.

Each level's label is what the explanation shows ("same address with a typo"); the order of the levels is the
order Splink tries them in (the first that holds decides).
"""

from __future__ import annotations

from collections.abc import Sequence

SWAPPED_LAST = "swapped with the first name (counted there)"
CROSSED_LAST = "one name in the other name field (counted on the first name)"


def comparisons(columns: Sequence[str]) -> list:
    """One comparison per field; with a postcode, the address fields form one comparison (they are not
    independent evidence: counting street, number, city and postcode apart over-weights a shared home)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    address = "postal_code" in columns
    # First and last name keyed the other way round (typos allowed): counted once, on the first name.
    swapped = [cll.CustomLevel("jaro_winkler_similarity(first_name_l, last_name_r) >= 0.9 and "
                               "jaro_winkler_similarity(last_name_l, first_name_r) >= 0.9").configure(
        label_for_charts="swapped with the last name")] if "first_name" in columns and "last_name" in columns else []
    swapped_last = [cll.CustomLevel("jaro_winkler_similarity(first_name_l, last_name_r) >= 0.9 and "
                                    "jaro_winkler_similarity(last_name_l, first_name_r) >= 0.9")] if swapped else []
    # One name keyed in the other's field ('james coleman' / 'howie james'): counted on the first name.
    cross = "first_name_l = last_name_r or last_name_l = first_name_r"
    crossed = [cll.CustomLevel(cross).configure(label_for_charts="one name entered in the other name field")
               ] if swapped else []
    crossed_last = [cll.CustomLevel(cross).configure(is_null_level=True, label_for_charts=CROSSED_LAST)
                    ] if swapped else []
    out = []
    for name in columns:
        if name == "first_name":
            out.append(cl.CustomComparison([
                cll.NullLevel("first_name"),
                cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
                # list_has_any stops at the first shared name; Splink's ArrayIntersectLevel builds the intersection
                cll.CustomLevel("list_has_any(first_name_variants_l, first_name_variants_r)").configure(
                    label_for_charts="nickname or short form"),
                cll.JaroWinklerLevel("first_name", 0.92).configure(label_for_charts="nearly the same"),
                # Jaro-Winkler scores a transposition in a short name low ('pia' / 'pai': 0.6)
                cll.DamerauLevenshteinLevel("first_name", 1).configure(label_for_charts="one typo apart"),
                *swapped,
                *crossed,
                cll.JaroWinklerLevel("first_name", 0.8).configure(label_for_charts="similar"),
                cll.ElseLevel().configure(label_for_charts="different"),
            ], output_column_name="first_name"))
        elif name == "last_name":
            out.append(cl.CustomComparison([
                cll.NullLevel("last_name"),
                cll.ExactMatchLevel("last_name", term_frequency_adjustments=True),
                cll.JaroWinklerLevel("last_name", 0.92).configure(label_for_charts="nearly the same"),
                # Swapped names are counted once, on the first name; here they are neutral (weight 0), not
                # "different": counting them as a disagreement took back most of the swap's evidence.
                *[level.configure(is_null_level=True, label_for_charts=SWAPPED_LAST) for level in swapped_last],
                *crossed_last,
                cll.JaroWinklerLevel("last_name", 0.8).configure(label_for_charts="similar"),
                cll.ElseLevel().configure(label_for_charts="different"),
            ], output_column_name="last_name"))
        elif name == "email":  # not Splink's EmailComparison: similar usernames (jsmith12/jsmith72) are common
            out.append(cl.CustomComparison([
                cll.NullLevel("email"),
                cll.ExactMatchLevel("email", term_frequency_adjustments=True).configure(label_for_charts="same"),
                # the length test first: a damerau_levenshtein over two long emails is the dearest call of the
                # model, and most pairs' lengths already rule one typo out
                # digits must agree: 'mwagner31@' and 'mwagner13@' are namesakes' accounts, not a typo
                cll.CustomLevel("abs(length(email_l) - length(email_r)) <= 1 and "
                                "regexp_replace(email_l, '[^0-9]', '', 'g') = "
                                "regexp_replace(email_r, '[^0-9]', '', 'g') and "
                                "damerau_levenshtein(email_l, email_r) <= 1").configure(
                    label_for_charts="one typo apart"),
                cll.ExactMatchLevel("email_user").configure(label_for_charts="same username, other provider"),
                cll.ElseLevel().configure(label_for_charts="different"),
            ], output_column_name="email"))
        elif name == "phone":
            out.append(cl.DamerauLevenshteinAtThresholds("phone", [1, 2]))
        elif name == "birth_date":  # YYYYMMDD strings
            out.append(cl.CustomComparison([
                cll.NullLevel("birth_date"),
                cll.ExactMatchLevel("birth_date").configure(label_for_charts="same"),
                cll.DamerauLevenshteinLevel("birth_date", 1).configure(label_for_charts="one typo apart"),
                cll.CustomLevel("substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) and "
                                "substr(birth_date_l, 5, 2) = substr(birth_date_r, 7, 2) and "
                                "substr(birth_date_l, 7, 2) = substr(birth_date_r, 5, 2)").configure(
                    label_for_charts="day and month swapped"),
                cll.DamerauLevenshteinLevel("birth_date", 2).configure(label_for_charts="two typos apart"),
                cll.ElseLevel().configure(label_for_charts="different"),
            ], output_column_name="birth_date"))
        elif name == "postal_code":
            out.append(cl.CustomComparison(address_levels(columns), output_column_name="postal_code"))
        elif name in ("street", "house_number", "city") and address:
            continue
        elif name == "loyalty_id":  # identifiers are keyed in: one typo is still evidence
            out.append(cl.CustomComparison([
                cll.NullLevel("loyalty_id"),
                cll.ExactMatchLevel("loyalty_id").configure(label_for_charts="same"),
                cll.DamerauLevenshteinLevel("loyalty_id", 1).configure(label_for_charts="one typo apart"),
                cll.ElseLevel().configure(label_for_charts="different"),
            ], output_column_name="loyalty_id"))
        elif name == "street":
            out.append(cl.JaroWinklerAtThresholds("street", [0.92]))
        elif name == "city":
            out.append(cl.ExactMatch("city").configure(term_frequency_adjustments=True))
        else:
            out.append(cl.ExactMatch(name))
    return out


def address_levels(columns: Sequence[str]) -> list:
    """The address as one comparison, strongest agreement first. It is missing only when no part of it (postcode,
    street, city) is on both records: a missing postcode leaves the street and the city to compare."""
    import splink.comparison_level_library as cll

    street, number, city = ("street" in columns), ("house_number" in columns), ("city" in columns)
    missing = ["(postal_code_l is null or postal_code_r is null)"]
    missing += [f"({c}_l is null or {c}_r is null)" for c in ("street", "city") if c in columns]
    levels = [cll.CustomLevel(" and ".join(missing)).configure(is_null_level=True)]
    # City names are keyed with typos as often as anything else ('port brolghton'); 0.9 keeps 'north ryde' and
    # 'east ryde' apart.
    same_city = "jaro_winkler_similarity(city_l, city_r) >= 0.9"
    # Spaces removed: 'mackie cres' / 'mackiecrescent', 'fisken cres' / 'fisken c rescent'.
    near_street = "jaro_winkler_similarity(replace(street_l, ' ', ''), replace(street_r, ' ', '')) >= 0.88"
    pc_typo = "damerau_levenshtein(postal_code_l, postal_code_r) <= 1"
    if street and number:
        levels.append(cll.And(cll.ExactMatchLevel("postal_code"), cll.ExactMatchLevel("house_number"),
                              cll.ExactMatchLevel("street")).configure(label_for_charts="same address"))
    if number:
        levels.append(cll.And(cll.ExactMatchLevel("postal_code"), cll.ExactMatchLevel("house_number"))
                      .configure(label_for_charts="same postcode and house number"))
    if street and number:
        # The same home keyed with typos: number equal, street nearly equal, postcode one typo apart or the same
        # city (one typo in a postcode or street otherwise falls to the weak levels below).
        near = f"({pc_typo} or {same_city})" if city else pc_typo
        levels.append(cll.CustomLevel(f"house_number_l = house_number_r and {near_street} and {near}").configure(
            label_for_charts="same address with a typo"))
    levels.append(cll.ExactMatchLevel("postal_code", term_frequency_adjustments=True).configure(
        label_for_charts="same postcode, other street or number"))
    if street and number:
        levels.append(cll.And(cll.ExactMatchLevel("house_number"), cll.ExactMatchLevel("street"))
                      .configure(label_for_charts="same street and number, other postcode"))
    if city:
        levels.append(cll.CustomLevel(f"{pc_typo} and {same_city}").configure(
            label_for_charts="postcode one typo apart, same city"))
    levels.append(cll.CustomLevel(pc_typo).configure(label_for_charts="postcode one typo apart"))
    if street and city:
        levels.append(cll.CustomLevel(f"{near_street} and {same_city}").configure(
            label_for_charts="same street and city, other postcode or number"))
    if city:
        # weighed by how common the city is: ten cities hold most of a retailer's customers
        levels.append(cll.CustomLevel(same_city).configure(label_for_charts="same city only",
                                                           tf_adjustment_column="city", tf_adjustment_weight=1.0,
                                                           disable_tf_exact_match_detection=True))
    levels.append(cll.ElseLevel().configure(label_for_charts="different address"))
    return levels
