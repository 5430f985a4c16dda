"""Statutory returns built from the case database: CIN census (XML), SSDA903 (CSV tables) and
Ofsted's Annex A lists (XLSX). Each builder returns its files plus a summary of counts; the
public DfE validators (scripts/validate-returns.sh) check the first two."""
