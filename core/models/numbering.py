from django.db import models


class NumberSequence(models.Model):
    """The last number issued per document type and year; advanced only by `next_document_number`."""

    doc_type = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["doc_type", "-year"]
        constraints = [models.UniqueConstraint(fields=["doc_type", "year"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.doc_type}-{self.year}: {self.last_value}"
