"""Unprotected cells -> the protected long table: every cell with its flag and value.

This is the one stage through which every published number passes. The primary rules
(defaults as in the model atlas, set under ``[privacy]``):

* a count of 1 to ``min_count - 1`` students is withheld; a true zero is published as 0;
* a rate is withheld when its numerator, or its denominator minus its numerator, is 1 to
  ``min_count - 1`` (the rate would reveal that many students on one side);
* a rate on fewer than ``min_denominator`` students is omitted for reliability (its
  counts still appear where they pass the privacy rule);
* a rate with no students at all is not applicable;
* counts of places, not students (shelters, their units, community resources), are
  published as counted.

A withheld cell keeps its row with numerator, denominator, value and category empty.
"""

from atlas.protect.primary import protect

__all__ = ["protect"]
