"""The "Bảo vệ trẻ em" area: special circumstances, risks, supports, cases, injuries."""
