"""Exports: the tidy responses table (docs/architecture.md, Contract 4) and Prolific files."""

from .explorer import explorer_actions, explorer_summaries
from .prolific_files import approve_list, bonus_file, screen_out_list
from .tidy import COLUMNS, csv_text, tidy_responses, write_responses

__all__ = ["COLUMNS", "approve_list", "csv_text", "bonus_file", "explorer_actions",
           "explorer_summaries", "screen_out_list", "tidy_responses",
           "write_responses"]
